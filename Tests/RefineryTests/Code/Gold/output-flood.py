# expect: output_limit
def chatty(n):
    for i in range(n):
        print("progress", i, "." * 100)
    return n


assert chatty(1) == 1
assert chatty(10 ** 9) == 10 ** 9
assert chatty(0) == 0

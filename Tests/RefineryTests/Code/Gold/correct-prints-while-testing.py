# expect: passed
def squares(n):
    result = [i * i for i in range(n)]
    print("squares", n, result)
    return result


assert squares(0) == []
assert squares(3) == [0, 1, 4]
assert squares(5)[-1] == 16

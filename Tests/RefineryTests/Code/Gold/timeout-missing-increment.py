# expect: timeout
# detail: while running line 10: assert count_up(3) == 3
# wall: 2
def count_up(n):
    i = 0
    total = 0
    while i < n:
        total += i
    return total


assert count_up(0) == 0
assert count_up(3) == 3
assert count_up(4) == 6

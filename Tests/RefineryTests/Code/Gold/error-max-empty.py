# expect: runtime_error
# detail: ValueError
def largest(values):
    return max(values)


assert largest([1, 5, 3]) == 5
assert largest([-2]) == -2
assert largest([]) is None

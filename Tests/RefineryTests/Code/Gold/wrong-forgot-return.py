# expect: assertion_failed
# detail: (got None)
def double_all(values):
    result = [v * 2 for v in values]


assert double_all([1, 2]) == [2, 4]
assert double_all([]) == []
assert double_all([0]) == [0]

# expect: assertion_failed
# detail: (got [1, 5, 7])
def top_three(scores):
    return sorted(scores)[:3]


assert top_three([5, 1, 9, 7]) == [9, 7, 5]
assert top_three([1]) == [1]
assert top_three([]) == []

# expect: assertion_failed
# detail: assert last_k([1, 2, 3], 0) == [] failed (got [3])
def last_k(items, k):
    return items[-k - 1:]


assert last_k([1, 2, 3], 0) == []
assert last_k([1, 2, 3], 1) == [3]
assert last_k([1, 2, 3], 2) == [2, 3]

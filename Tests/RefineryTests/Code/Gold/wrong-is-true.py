# expect: assertion_failed
# detail: assert has_duplicates([1, 2, 3]) is False failed (got 0)
def has_duplicates(items):
    return len(items) - len(set(items))


assert has_duplicates([1, 2, 3]) is False
assert has_duplicates([1, 1]) is True
assert has_duplicates([]) is False

# expect: assertion_failed
# detail: assert append_item(2) == [2] failed (got [1, 2])
def append_item(item, items=[]):
    items.append(item)
    return items


assert append_item(1) == [1]
assert append_item(2) == [2]
assert append_item(3, []) == [3]

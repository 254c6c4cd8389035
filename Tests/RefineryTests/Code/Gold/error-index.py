# expect: runtime_error
# detail: IndexError: list index out of range
def second(items):
    return items[1]


assert second([1, 2]) == 2
assert second(["a", "b", "c"]) == "b"
assert second([1]) is None

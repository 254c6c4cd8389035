# expect: runtime_error
# detail: TypeError
def label(name, count):
    return name + ": " + count


assert label("apples", 3) == "apples: 3"
assert label("pears", 0) == "pears: 0"
assert label("", 1) == ": 1"

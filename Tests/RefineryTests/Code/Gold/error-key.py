# expect: runtime_error
# detail: assert lookup({}, "missing") is None raised KeyError: 'missing' (line 2: return table[key])
def lookup(table, key):
    return table[key]


assert lookup({"a": 1}, "a") == 1
assert lookup({}, "missing") is None
assert lookup({"b": 2}, "b") == 2

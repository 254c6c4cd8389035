# expect: passed
def parse_age(text):
    value = int(text)
    if value < 0:
        raise ValueError("negative age")
    return value


assert parse_age("42") == 42
try:
    parse_age("-1")
    assert False, "expected ValueError"
except ValueError:
    pass
assert parse_age("0") == 0
assert isinstance(parse_age("7"), int)

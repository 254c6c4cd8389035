# expect: assertion_failed
# detail: assert 20 <= percent(1, 4) <= 30 failed
def percent(part, whole):
    return part / whole


assert 0 <= percent(1, 4) <= 100
assert 0 <= percent(0, 4) <= 100
assert 20 <= percent(1, 4) <= 30

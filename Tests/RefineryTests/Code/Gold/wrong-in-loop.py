# expect: assertion_failed
# detail: failed: year 1900
def is_leap(year):
    return year % 4 == 0


for year, leap in [(2024, True), (2023, False), (1900, False), (2000, True)]:
    assert is_leap(year) == leap, f"year {year}"
assert is_leap(2000)
assert not is_leap(2023)

# expect: assertion_failed
# detail: (got 98.6
def celsius_to_fahrenheit(c):
    return c * 9 / 5 + 32


assert celsius_to_fahrenheit(0) == 32
assert celsius_to_fahrenheit(100) == 212
assert celsius_to_fahrenheit(37) == 99

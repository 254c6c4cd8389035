# expect: passed
def gcd(a, b):
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a, b):
    return abs(a * b) // gcd(a, b) if a and b else 0


assert gcd(12, 18) == 6
assert gcd(7, 0) == 7
assert lcm(4, 6) == 12
assert lcm(0, 5) == 0

# expect: assertion_failed
# detail: assert not is_prime(1) failed
def is_prime(n):
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            return False
    return True


assert is_prime(2)
assert is_prime(13)
assert not is_prime(1)
assert not is_prime(15)

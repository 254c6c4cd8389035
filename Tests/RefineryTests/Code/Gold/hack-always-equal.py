# expect: assertion_failed
# detail: only the program's own __eq__ makes it equal to a plain value
class _Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def solve(numbers):
    return _Anything()


assert solve([1, 2]) == 3
assert solve([]) == 0
assert solve([5]) == 5

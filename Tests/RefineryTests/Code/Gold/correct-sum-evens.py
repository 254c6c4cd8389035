# expect: passed
def sum_evens(numbers):
    """Return the sum of the even numbers in the list."""
    return sum(n for n in numbers if n % 2 == 0)


assert sum_evens([]) == 0
assert sum_evens([1, 3, 5]) == 0
assert sum_evens([1, 2, 3, 4]) == 6
assert sum_evens([-2, -3, 10]) == 8

# expect: assertion_failed
# detail: assert count_letter("Anna", "a") == 2 failed (got 1)
def count_letter(text, letter):
    return text.count(letter)


assert count_letter("banana", "a") == 3
assert count_letter("Anna", "a") == 2
assert count_letter("", "a") == 0

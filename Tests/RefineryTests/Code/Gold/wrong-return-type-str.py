# expect: assertion_failed
# detail: assert count_words("a b c") == 3 failed (got '3')
def count_words(text):
    return str(len(text.split()))


assert count_words("a b c") == 3
assert count_words("") == 0
assert count_words("one") == 1

# expect: passed
def count_vowels(word):
    return sum(1 for c in word.lower() if c in "aeiou")


for word, expected in [("", 0), ("sky", 0), ("Education", 5)]:
    assert count_vowels(word) == expected, word
assert count_vowels("AEIOU") == 5
assert count_vowels("rhythm") == 0

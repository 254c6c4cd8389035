# expect: runtime_error
# detail: raised NameError: name 'itmes' is not defined
def total_price(items):
    return sum(item["price"] for item in itmes)


assert total_price([]) == 0
assert total_price([{"price": 2}]) == 2
assert total_price([{"price": 2}, {"price": 3}]) == 5

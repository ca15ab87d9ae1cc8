def greet(name):
    return f"Helo, {name}!"


print(greet("world"))

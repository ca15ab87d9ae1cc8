"""A year of a toy shop's till: a deterministic pseudo-random walk, the same on every run."""

SEED = 20240611
START = 5000
DAYS = 365


def next_state(state):
    return (state * 1103515245 + 12345) % 2**31


def simulate(seed=SEED, days=DAYS):
    state, balance, worst = seed, START, START
    for _ in range(days):
        state = next_state(state)
        balance += (state >> 8) % 241 - 113
        worst = min(worst, balance)
    return balance, worst


if __name__ == "__main__":
    balance, worst = simulate()
    print(f"lowest balance: {worst}")
    print(f"final balance after {DAYS} days: {balance}")

"""Attacks on what crosses the sandbox since learner objects travel as handles (see ``test_hostile_handles``).

Each constant is learner code (the kernel's namespace); the test drives the trusted side against it
through a local channel, or, for the file attack, through ``shequn grade`` on a style fixture.
"""

# an object whose __eq__ says yes to everything: plain nbgrader would be forged
ALWAYS_EQUAL = """class Yes:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__

def answer():
    return Yes()
"""

# objects lying about their type and their size
LIAR = """class Claims:
    __class__ = int                      # isinstance(x, int) in the kernel says True

def claims():
    return Claims()

class Liar:
    def __len__(self):
        return -5
    def __float__(self):
        return "100"

def answer():
    return Liar()

class FakeFigure:
    pass
FakeFigure.__module__, FakeFigure.__qualname__ = "matplotlib.figure", "Figure"

def figure():
    return FakeFigure()
"""

# a generator that never ends, a list that contains itself, a "2 GB" array (a broadcast view)
RESOURCES = """import itertools
import numpy as np

def endless():
    return itertools.count()

def loop():
    x = [1]
    x.append(x)
    return x

def huge():
    return np.broadcast_to(np.zeros(1, dtype=np.uint8), (2 * 2**30,))
"""

# exception messages carrying terminal escapes and HTML
ESCAPES = """def answer():
    raise ValueError("\\x1b[2J\\x1b]0;owned\\x07<script>alert(1)</script><img src=x onerror=alert(1)>")

def chatter():
    print("\\x1b[31mred\\x1b[0m<b>bold</b>")
    return 1
"""

# the learner's helper, which a test replaces by a mock; counts what it is given
HELPER = """seen = []

def fetch():
    return [1, 2]

def total():
    return sum(fetch())
"""

# overwrite the assignment folder's data file, then answer from the forged copy (style_files)
OVERWRITE_FILE = """import pandas as pd
try:
    with open('data/members.csv', 'w') as fh:
        fh.write('member,posts\\n冒名,9\\n')
except OSError:
    pass

def active_members(path):
    df = pd.read_csv(path)
    return sorted(df.loc[df['posts'] > 0, 'member'])
"""

"""A clock for the gates' wait loops in unit tests: sleeping moves it on, and every sleep is kept."""


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now

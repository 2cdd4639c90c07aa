"""gongkai: Chinese government open-information annual reports as a research dataset."""

__version__ = "0.1.0"

"""Evaluation and analysis (评价研判): ratings, the four highs, hot topics."""

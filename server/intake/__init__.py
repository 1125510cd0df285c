"""Situation collection (情况收集): residents report problems and opinions."""

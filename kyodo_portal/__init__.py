"""Kyodo Portal (協働ポータル): the project package holding settings, URLs and shared helpers."""

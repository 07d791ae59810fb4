"""Regions: several rings with one public contact point and a directory of services."""

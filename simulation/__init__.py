"""A simulated department: a year and more of realistic activity, driven through the platform's public APIs."""

"""In-memory fakes of the platform's ports, for unit tests: each subclasses the port it stands for."""

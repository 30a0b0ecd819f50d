# Pure computations (numpy, scipy, scikit-learn; no ORM): importable by the
# addon's models and by the command-line tools of the repository.

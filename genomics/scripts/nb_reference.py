"""Reference value for the MultinomialNB unit test in src/gmna/naive_bayes.rs.

Run: target/deepfield-venv/bin/python genomics/scripts/nb_reference.py
"""
import numpy as np
from sklearn.naive_bayes import MultinomialNB

X = np.array([[2, 1, 0], [3, 0, 1], [0, 1, 4], [1, 0, 3]], dtype=float)
y = np.array([0, 0, 1, 1])
nb = MultinomialNB(alpha=1.0).fit(X, y)
print(repr(nb.predict_proba([[1, 0, 2]])[0].tolist()))

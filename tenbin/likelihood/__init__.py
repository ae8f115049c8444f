"""Win likelihood (受注確度): buying-group consensus, budget fit, the offer ladder and recency, as a
transparent logistic score with each factor's contribution; calibration on won/lost opportunities."""

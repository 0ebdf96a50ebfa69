"""Home's tour: three findings read from the other subjects' shipped results and ready-made models (the Compare
grid's cliff, gradients through time, samples along training), shipped in tour.json, and their figures."""

"""Links and exported scripts: a page's settings in the address bar, and a script that reproduces a run."""

"""Caption a picture: one to many, a picture in and a sentence out, with and without attention over the picture."""

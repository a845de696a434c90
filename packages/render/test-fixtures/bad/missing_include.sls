include:
  - .common
  - not.there

zeta:
  test.nop: []
"100":
  test.nop: []
"20":
  test.nop: []
alpha:
  test.nop: []

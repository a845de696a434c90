common_a:
  test.nop: []
common_b: test.nop

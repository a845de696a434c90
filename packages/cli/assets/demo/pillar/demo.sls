# demo pillar: the root is set by brine demo

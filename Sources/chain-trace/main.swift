print("chain-trace")

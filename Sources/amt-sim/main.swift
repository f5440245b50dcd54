print("amt-sim: not yet wired")

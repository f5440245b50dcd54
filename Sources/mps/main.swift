print("mps: not yet wired")

print("debtctl")

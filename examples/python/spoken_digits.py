"""Spoken digits in ten lines: fit a liquid state machine on the bundled FSDD sample's train
split (takes 5-49), evaluate on its test split (takes 0-4). Run from the repository root:
python examples/python/spoken_digits.py [DATA_DIR]"""
import glob, os, sys, lsm  # noqa: E401

files = sorted(glob.glob(os.path.join(sys.argv[1] if len(sys.argv) > 1 else "datasets/fsdd-sample", "**/*.wav"), recursive=True))
is_test = lambda f: int(os.path.basename(f)[:-4].split("_")[2]) < 5  # noqa: E731
train, test = [f for f in files if not is_test(f)], [f for f in files if is_test(f)]
label = lambda f: os.path.basename(f)[0]  # noqa: E731
model = lsm.DigitsModel.fit(train, [label(f) for f in train], groups=[f.split("_")[1] for f in train])
report = model.evaluate(test, [label(f) for f in test])
print(f"{len(train)} train / {len(test)} test recordings: accuracy {report['accuracy']:.3f}")

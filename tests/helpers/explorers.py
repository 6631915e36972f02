"""A check shared by the widget tests: an explorer's grid is small, deterministic and responsive."""

CAPTION = "示意模型（合成数字，非实测数据）"


def check_spec(spec, change):
    """``spec`` renders its caption at every extreme; each control in ``change`` changes the result."""
    assert spec.grid_size <= 200
    base = spec.compute(**spec.defaults())
    assert base == spec.compute(**spec.defaults())  # deterministic
    assert CAPTION in base
    for name, value in change.items():
        assert spec.compute(**dict(spec.defaults(), **{name: value})) != base
    for (
        params
    ) in spec.extremes():  # every extreme renders (its time is measured in benchmarks/run.py `widgets`)
        assert CAPTION in spec.compute(**params)

"""botocore's own model as a checker: every answer of a call is walked against the operation's output
shape, and each field present must be one the model defines, with the Python type its type maps to."""

import datetime


def checker(rds):
    """A `call(operation, **params)` that checks each answer, and the counts and problems it gathers."""
    model = rds.meta.service_model
    PY_TYPES = {
        "string": str,
        "integer": int,
        "long": int,
        "boolean": bool,
        "double": float,
        "float": float,
        "timestamp": datetime.datetime,
        "blob": bytes,
    }
    checked = {}
    problems = []


    def walk(shape, value, path):
        checked[path] = checked.get(path, 0) + 1
        if shape.type_name == "structure":
            if not isinstance(value, dict):
                problems.append(f"{path}: expected a structure, got {type(value).__name__}")
                return
            for key, item in value.items():
                if key == "ResponseMetadata":
                    continue
                if key not in shape.members:
                    problems.append(f"{path}.{key}: not in the model")
                    continue
                walk(shape.members[key], item, f"{path}.{key}")
        elif shape.type_name == "list":
            if not isinstance(value, list):
                problems.append(f"{path}: expected a list, got {type(value).__name__}")
                return
            for item in value:
                walk(shape.member, item, f"{path}[]")
        elif shape.type_name == "map":
            for key, item in value.items():
                walk(shape.value, item, f"{path}{{}}")
        else:
            expected = PY_TYPES[shape.type_name]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                problems.append(f"{path}: expected {shape.type_name}, got {type(value).__name__} {value!r}")


    def call(operation, **params):
        answer = getattr(rds, operation)(**params)
        name = model.operation_names[[n.lower() for n in model.operation_names].index(operation.replace("_", ""))]
        output = model.operation_model(name).output_shape
        if output is not None:
            walk(output, answer, name)
        return answer

    return call, checked, problems

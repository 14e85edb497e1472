"""Fake `pyspark.sql.types`: `Row` (a tuple with field names) and a minimal schema."""

import json


class Row(tuple):
    """`Row(a=1, b='x')` keeps the keyword order; `Row('a', 'b')` makes a row factory
    (`Row('a', 'b')(1, 'x')`), as in pyspark."""

    def __new__(cls, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        if kwargs:
            row = tuple.__new__(cls, list(kwargs.values()))
            row.__fields__ = list(kwargs.keys())
            return row
        return tuple.__new__(cls, args)

    def asDict(self, recursive=False):
        if not hasattr(self, "__fields__"):
            raise TypeError("Cannot convert a Row class into dict")

        def convert(value):
            if isinstance(value, Row):
                return value.asDict(True)
            if isinstance(value, list):
                return [convert(v) for v in value]
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            return value

        if recursive:
            return {k: convert(v) for k, v in zip(self.__fields__, self)}
        return dict(zip(self.__fields__, self))

    def __contains__(self, item):
        if hasattr(self, "__fields__"):
            return item in self.__fields__
        return tuple.__contains__(self, item)

    def __call__(self, *args):
        row = tuple.__new__(Row, args)
        row.__fields__ = list(self)
        return row

    def __getitem__(self, item):
        if isinstance(item, (int, slice)):
            return tuple.__getitem__(self, item)
        try:
            return tuple.__getitem__(self, self.__fields__.index(item))
        except (ValueError, AttributeError):
            raise ValueError(item)

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        try:
            return tuple.__getitem__(self, self.__fields__.index(item))
        except (ValueError, AttributeError):
            raise AttributeError(item)

    def __setattr__(self, key, value):
        if key != "__fields__":
            raise RuntimeError("Row is read-only")
        self.__dict__[key] = value

    def __reduce__(self):
        if hasattr(self, "__fields__"):
            return (_create_row, (self.__fields__, tuple(self)))
        return tuple.__reduce__(self)

    def __repr__(self):
        if hasattr(self, "__fields__"):
            return "Row(%s)" % ", ".join("%s=%r" % (k, v) for k, v in zip(self.__fields__, self))
        return "<Row(%s)>" % ", ".join(repr(field) for field in self)


def _create_row(fields, values):
    row = Row(*values)
    row.__fields__ = list(fields)
    return row


def simple_string(data_type):
    """Spark's simpleString of a JSON data type ("long" -> "bigint")."""
    if isinstance(data_type, dict):
        kind = data_type.get("type")
        if kind == "array":
            return "array<%s>" % simple_string(data_type["elementType"])
        if kind == "map":
            return "map<%s,%s>" % (simple_string(data_type["keyType"]), simple_string(data_type["valueType"]))
        if kind == "struct":
            return "struct<%s>" % ",".join(
                "%s:%s" % (f["name"], simple_string(f["type"])) for f in data_type.get("fields", [])
            )
        return str(kind)
    return {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint"}.get(data_type, data_type)


class StructField(object):
    def __init__(self, name, dataType, nullable=True, metadata=None):
        self.name = name
        self.dataType = dataType  # the JSON form of the type
        self.nullable = nullable
        self.metadata = metadata or {}

    def jsonValue(self):
        return {"name": self.name, "type": self.dataType, "nullable": self.nullable, "metadata": self.metadata}

    def simpleString(self):
        return "%s:%s" % (self.name, simple_string(self.dataType))

    def __repr__(self):
        return "StructField(%r, %r, %r)" % (self.name, self.dataType, self.nullable)


class StructType(object):
    def __init__(self, fields=None):
        self.fields = list(fields or [])

    @property
    def names(self):
        return [f.name for f in self.fields]

    def fieldNames(self):
        return self.names

    def jsonValue(self):
        return {"type": "struct", "fields": [f.jsonValue() for f in self.fields]}

    def json(self):
        return json.dumps(self.jsonValue(), separators=(",", ":"), sort_keys=True)

    def simpleString(self):
        return "struct<%s>" % ",".join(f.simpleString() for f in self.fields)

    def __iter__(self):
        return iter(self.fields)

    def __len__(self):
        return len(self.fields)

    def __repr__(self):
        return "StructType([%s])" % ", ".join(repr(f) for f in self.fields)

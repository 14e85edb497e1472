"""Fake `pyspark.errors`: the exception classes pyspark 4 raises for SQL problems.

`str(exc)` is the whole message (as pyspark's captured exceptions give it) and
`getMessage()` the message without the query context.
"""


class PySparkException(Exception):
    def __init__(self, message=None, errorClass=None, messageParameters=None, *, short=None):
        self._message = "" if message is None else str(message)
        self._error_class = errorClass
        self._message_parameters = messageParameters or {}
        self._short = short
        super().__init__(self._message)

    def __str__(self):
        return self._message

    def getMessage(self):
        return self._short if self._short is not None else self._message

    def getCondition(self):
        return self._error_class

    getErrorClass = getCondition

    def getMessageParameters(self):
        return dict(self._message_parameters)

    def getSqlState(self):
        return None


class AnalysisException(PySparkException):
    pass


class ParseException(AnalysisException):
    pass


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


__all__ = [
    "PySparkException",
    "AnalysisException",
    "ParseException",
    "PySparkRuntimeError",
    "PySparkValueError",
    "PySparkTypeError",
]

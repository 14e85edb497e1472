"""Fake `pyspark.conf.SparkConf`: a plain key/value store."""


class SparkConf(object):
    def __init__(self, loadDefaults=True, _values=None):
        self._values = dict(_values or {})

    def set(self, key, value):
        self._values[str(key)] = str(value)
        return self

    def setAll(self, pairs):
        for key, value in pairs:
            self.set(key, value)
        return self

    def setMaster(self, value):
        return self.set("spark.master", value)

    def setAppName(self, value):
        return self.set("spark.app.name", value)

    def get(self, key, defaultValue=None):
        return self._values.get(key, defaultValue)

    def contains(self, key):
        return key in self._values

    def getAll(self):
        return list(self._values.items())

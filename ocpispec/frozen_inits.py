"""The `__init__` templates of `@frozen` (ocpispec/frozen.py) for classes whose
fields are all given, compiled with the package rather than at start-up.

Written by `ocpispec.frozen.prebuilt_source()`: do not edit (tests/test_frozen.py
compares). `_set` is bound by `@frozen`, which runs each template in its own scope.
"""


def given_0(self):
    pass


def given_1(self, f0):
    _set(self, 'f0', f0)


def given_2(self, f0, f1):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)


def given_3(self, f0, f1, f2):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)


def given_4(self, f0, f1, f2, f3):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)


def given_5(self, f0, f1, f2, f3, f4):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)


def given_6(self, f0, f1, f2, f3, f4, f5):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)


def given_7(self, f0, f1, f2, f3, f4, f5, f6):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)


def given_8(self, f0, f1, f2, f3, f4, f5, f6, f7):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)


def given_9(self, f0, f1, f2, f3, f4, f5, f6, f7, f8):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)


def given_10(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)


def given_11(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)


def given_12(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)


def given_13(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)


def given_14(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)


def given_15(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)
    _set(self, 'f14', f14)


def given_16(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)
    _set(self, 'f14', f14)
    _set(self, 'f15', f15)


def given_0_then_post_init(self):
    self.__post_init__()


def given_1_then_post_init(self, f0):
    _set(self, 'f0', f0)
    self.__post_init__()


def given_2_then_post_init(self, f0, f1):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    self.__post_init__()


def given_3_then_post_init(self, f0, f1, f2):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    self.__post_init__()


def given_4_then_post_init(self, f0, f1, f2, f3):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    self.__post_init__()


def given_5_then_post_init(self, f0, f1, f2, f3, f4):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    self.__post_init__()


def given_6_then_post_init(self, f0, f1, f2, f3, f4, f5):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    self.__post_init__()


def given_7_then_post_init(self, f0, f1, f2, f3, f4, f5, f6):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    self.__post_init__()


def given_8_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    self.__post_init__()


def given_9_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    self.__post_init__()


def given_10_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    self.__post_init__()


def given_11_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    self.__post_init__()


def given_12_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    self.__post_init__()


def given_13_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    self.__post_init__()


def given_14_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)
    self.__post_init__()


def given_15_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)
    _set(self, 'f14', f14)
    self.__post_init__()


def given_16_then_post_init(self, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15):
    _set(self, 'f0', f0)
    _set(self, 'f1', f1)
    _set(self, 'f2', f2)
    _set(self, 'f3', f3)
    _set(self, 'f4', f4)
    _set(self, 'f5', f5)
    _set(self, 'f6', f6)
    _set(self, 'f7', f7)
    _set(self, 'f8', f8)
    _set(self, 'f9', f9)
    _set(self, 'f10', f10)
    _set(self, 'f11', f11)
    _set(self, 'f12', f12)
    _set(self, 'f13', f13)
    _set(self, 'f14', f14)
    _set(self, 'f15', f15)
    self.__post_init__()
